const fs = require('fs');
exports.copyTree = (a, b) => fs.cpSync(a, b, { recursive: true });
