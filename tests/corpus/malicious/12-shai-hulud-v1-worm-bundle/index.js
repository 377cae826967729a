module.exports = function tinycolor(c) { return { toHex: () => String(c) }; };
