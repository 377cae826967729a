module.exports = require('./dist/compiled/vendor.js');
