#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the release, starts a private
# PostgreSQL (unless DATABASE_URL is set), and runs Mostrador with its embedded MQTT broker
# (unless APP_MQTT__URL is set). Ctrl-C stops the server and the database. Run it again and it
# reuses the same data (.data/pg).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

bash scripts/install-deps.sh
use_private_database

echo "[run] building the release (first time: several minutes)"
cargo_leptos build --release --precompress

export LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=mostrador LEPTOS_ENV=PROD
export APP_DEMO__SEED=${APP_DEMO__SEED:-true}
# A local demo: with no SMTP, mails are listed at /dev/correos (never on a public server).
if [ -z "${APP_MAIL__SMTP_URL:-}" ]; then export APP_MAIL__DEV_MAILBOX=${APP_MAIL__DEV_MAILBOX:-true}; fi
export APP_HTTP__ADDR=${APP_HTTP__ADDR:-127.0.0.1:3000}
# The embedded broker lets in only devices and known users: one for trying it by hand.
export APP_MQTT__EXTRA_USERS=${APP_MQTT__EXTRA_USERS:-demo:mostrador-demo}
port=${APP_HTTP__ADDR##*:}
cat <<MSG

  Mostrador arranca en  http://127.0.0.1:$port
  Ingresar:             http://127.0.0.1:$port/ingresar   (contraseña de las cuentas demo: mostrador-demo)
    operador@mostrador.local    operador de la plataforma (Estado del sistema, negocios)
    pepe@donpepe.com.ar         dueño de Carnicería Don Pepe
    caja@donpepe.com.ar         cajera de Carnicería Don Pepe
    direccion@medicosur.com.ar  dueña de Centro Médico Sur
  Correos (sin SMTP):   http://127.0.0.1:$port/dev/correos
  Broker MQTT:          127.0.0.1:${APP_MQTT__PORT_V4:-1883} (MQTT 3.1.1), 127.0.0.1:${APP_MQTT__PORT_V5:-1884} (MQTT 5)
  Probalo:              mosquitto_pub -p ${APP_MQTT__PORT_V4:-1883} -u demo -P mostrador-demo -t prueba/hola -m 'hola'
  Sensores simulados:   target/release/mostrador simulate --devices 3 --rate 1   (en otra terminal;
                        aparecen en /equipos de Carnicería Don Pepe)
  Ctrl-C para detener.

MSG
target/release/mostrador
