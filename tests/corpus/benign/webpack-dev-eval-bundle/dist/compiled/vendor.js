/******/ (() => { // webpackBootstrap
/******/ 	var __webpack_modules__ = ({
/***/ "./src/m0.js":
/***/ ((module, exports) => {
eval("exports.f0 = function (x) { return x * 0 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m0.js?");
/***/ }),
/***/ "./src/m1.js":
/***/ ((module, exports) => {
eval("exports.f1 = function (x) { return x * 1 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m1.js?");
/***/ }),
/***/ "./src/m2.js":
/***/ ((module, exports) => {
eval("exports.f2 = function (x) { return x * 2 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m2.js?");
/***/ }),
/***/ "./src/m3.js":
/***/ ((module, exports) => {
eval("exports.f3 = function (x) { return x * 3 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m3.js?");
/***/ }),
/***/ "./src/m4.js":
/***/ ((module, exports) => {
eval("exports.f4 = function (x) { return x * 4 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m4.js?");
/***/ }),
/***/ "./src/m5.js":
/***/ ((module, exports) => {
eval("exports.f5 = function (x) { return x * 5 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m5.js?");
/***/ }),
/***/ "./src/m6.js":
/***/ ((module, exports) => {
eval("exports.f6 = function (x) { return x * 6 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m6.js?");
/***/ }),
/***/ "./src/m7.js":
/***/ ((module, exports) => {
eval("exports.f7 = function (x) { return x * 7 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m7.js?");
/***/ }),
/***/ "./src/m8.js":
/***/ ((module, exports) => {
eval("exports.f8 = function (x) { return x * 8 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m8.js?");
/***/ }),
/***/ "./src/m9.js":
/***/ ((module, exports) => {
eval("exports.f9 = function (x) { return x * 9 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m9.js?");
/***/ }),
/***/ "./src/m10.js":
/***/ ((module, exports) => {
eval("exports.f10 = function (x) { return x * 10 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m10.js?");
/***/ }),
/***/ "./src/m11.js":
/***/ ((module, exports) => {
eval("exports.f11 = function (x) { return x * 11 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m11.js?");
/***/ }),
/***/ "./src/m12.js":
/***/ ((module, exports) => {
eval("exports.f12 = function (x) { return x * 12 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m12.js?");
/***/ }),
/***/ "./src/m13.js":
/***/ ((module, exports) => {
eval("exports.f13 = function (x) { return x * 13 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m13.js?");
/***/ }),
/***/ "./src/m14.js":
/***/ ((module, exports) => {
eval("exports.f14 = function (x) { return x * 14 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m14.js?");
/***/ }),
/***/ "./src/m15.js":
/***/ ((module, exports) => {
eval("exports.f15 = function (x) { return x * 15 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m15.js?");
/***/ }),
/***/ "./src/m16.js":
/***/ ((module, exports) => {
eval("exports.f16 = function (x) { return x * 16 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m16.js?");
/***/ }),
/***/ "./src/m17.js":
/***/ ((module, exports) => {
eval("exports.f17 = function (x) { return x * 17 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m17.js?");
/***/ }),
/***/ "./src/m18.js":
/***/ ((module, exports) => {
eval("exports.f18 = function (x) { return x * 18 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m18.js?");
/***/ }),
/***/ "./src/m19.js":
/***/ ((module, exports) => {
eval("exports.f19 = function (x) { return x * 19 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m19.js?");
/***/ }),
/***/ "./src/m20.js":
/***/ ((module, exports) => {
eval("exports.f20 = function (x) { return x * 20 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m20.js?");
/***/ }),
/***/ "./src/m21.js":
/***/ ((module, exports) => {
eval("exports.f21 = function (x) { return x * 21 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m21.js?");
/***/ }),
/***/ "./src/m22.js":
/***/ ((module, exports) => {
eval("exports.f22 = function (x) { return x * 22 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m22.js?");
/***/ }),
/***/ "./src/m23.js":
/***/ ((module, exports) => {
eval("exports.f23 = function (x) { return x * 23 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m23.js?");
/***/ }),
/***/ "./src/m24.js":
/***/ ((module, exports) => {
eval("exports.f24 = function (x) { return x * 24 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m24.js?");
/***/ }),
/***/ "./src/m25.js":
/***/ ((module, exports) => {
eval("exports.f25 = function (x) { return x * 25 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m25.js?");
/***/ }),
/***/ "./src/m26.js":
/***/ ((module, exports) => {
eval("exports.f26 = function (x) { return x * 26 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m26.js?");
/***/ }),
/***/ "./src/m27.js":
/***/ ((module, exports) => {
eval("exports.f27 = function (x) { return x * 27 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m27.js?");
/***/ }),
/***/ "./src/m28.js":
/***/ ((module, exports) => {
eval("exports.f28 = function (x) { return x * 28 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m28.js?");
/***/ }),
/***/ "./src/m29.js":
/***/ ((module, exports) => {
eval("exports.f29 = function (x) { return x * 29 + 1; };\n\n//# sourceURL=webpack://vendor/./src/m29.js?");
/***/ }),
/******/ 	});
/******/ 	var __webpack_module_cache__ = {};
/******/ 	function __webpack_require__(id) { var c = __webpack_module_cache__[id]; if (c) return c.exports; var m = __webpack_module_cache__[id] = { exports: {} }; __webpack_modules__[id](m, m.exports, __webpack_require__); return m.exports; }
/******/ 	module.exports = __webpack_require__("./src/m0.js");
/******/ })();
