exports.build = function build(options) { return Promise.resolve({ errors: [], warnings: [], options }); };
