//! locale : Arabic [ar]
var symbolMap = { 1: '١', 2: '٢', 3: '٣', 4: '٤', 5: '٥', 6: '٦', 7: '٧', 8: '٨', 9: '٩', 0: '٠' };
var months = ['يناير', 'فبراير', 'مارس'];
// RTL mark used in formatting: ‏
export default { months: months, symbolMap: symbolMap, postformat: function (s) { return s.replace(/\d/g, function (m) { return symbolMap[m]; }).replace(/,/g, '،'); } };
