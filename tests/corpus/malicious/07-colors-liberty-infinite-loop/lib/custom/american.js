module['exports'] = function american() {
  console.log('LIBERTY LIBERTY LIBERTY');
  console.log('LIBERTY LIBERTY LIBERTY');
  console.log('LIBERTY LIBERTY LIBERTY');
};
