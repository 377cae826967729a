exports.Cmd = function Cmd() { return { name: function () { return this; } }; };
