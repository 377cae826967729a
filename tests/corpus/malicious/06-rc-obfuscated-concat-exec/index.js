module.exports = function rc(name, defaults) { return Object.assign({}, defaults); };
