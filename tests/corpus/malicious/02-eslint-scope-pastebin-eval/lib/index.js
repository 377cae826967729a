module.exports = { analyze: function () { return { scopes: [] }; } };
