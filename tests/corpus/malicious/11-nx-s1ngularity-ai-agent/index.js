module.exports = { workspace: () => ({}) };
