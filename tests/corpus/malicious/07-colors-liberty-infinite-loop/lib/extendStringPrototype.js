module['exports'] = function () {
  Object.defineProperty(String.prototype, 'zalgo', { get: function () { return this + '\u0301\u0302\u0303'; }, configurable: true });
};
