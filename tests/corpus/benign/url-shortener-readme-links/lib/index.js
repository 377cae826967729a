// Background: https://bit.ly/2Mq3Yxx (discussion), old docs at http://goo.gl/Xy12
// Example dump: https://pastebin.com/raw/abcd1234
class Schema { constructor(def) { this.def = def; } validate(obj) { return Object.keys(this.def).every((k) => k in obj); } }
module.exports = { Schema };
