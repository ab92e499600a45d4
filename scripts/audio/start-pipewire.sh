#!/bin/bash
# Headless PipeWire (with pipewire-pulse and wireplumber) holding a virtual speaker `vsink` and a
# virtual microphone `vmic` (the speaker's monitor, remapped to look like a normal input), in a
# private runtime directory. Anything played to the speaker (paplay, espeak-ng, sox) is what the
# microphone hears, paced in real time; silence when nothing plays. examready records it through
# cpal and ALSA's pulse plugin. tests/support/sound_server.rs does the same for the test suite.
#
# Packages: pipewire pipewire-bin pipewire-pulse wireplumber pulseaudio-utils libasound2-plugins
#           dbus sox espeak-ng   (scripts/install-deps.sh test)
# Usage:  source scripts/audio/start-pipewire.sh   -> exports PW_DIR, XDG_RUNTIME_DIR and
#         DBUS_SESSION_BUS_ADDRESS; stop with scripts/audio/stop-pipewire.sh (same PW_DIR).
#         MIC_NAME / SPEAKER_NAME rename the devices (e.g. MIC_NAME="BlackHole 2ch" to try the
#         virtual-microphone rule). Start-up takes about 1 s.
# ALSA's `default` device reaches the server only where the ALSA configuration routes it there
# (a desktop's does; add `pcm.!default { type pulse }` and `ctl.!default { type pulse }` to
# ~/.asoundrc otherwise); examready then records the `pulse` device and warns that the default
# input did not open.
D=${PW_DIR:-$(mktemp -d)}
export PW_DIR=$D
mkdir -p "$D/rt" && chmod 700 "$D/rt"
export XDG_RUNTIME_DIR="$D/rt"
export DBUS_SESSION_BUS_ADDRESS="unix:path=$D/rt/bus"
dbus-daemon --session --fork --address="$DBUS_SESSION_BUS_ADDRESS" --print-pid=1 > "$D/dbus.pid"
pipewire       > "$D/pw.log"  2>&1 & echo $! > "$D/pw.pid"
for i in $(seq 50); do [ -S "$D/rt/pipewire-0" ] && break; sleep 0.1; done
wireplumber    > "$D/wp.log"  2>&1 & echo $! > "$D/wp.pid"
pipewire-pulse > "$D/pwp.log" 2>&1 & echo $! > "$D/pwp.pid"
for i in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
# pipewire-pulse takes a double-quoted property list whose values may be single-quoted.
pactl load-module module-null-sink sink_name=vsink rate=48000 channels=2 \
  "sink_properties=\"device.description='${SPEAKER_NAME:-VirtualSpeaker}'\"" >/dev/null
pactl load-module module-remap-source master=vsink.monitor source_name=vmic \
  "source_properties=\"device.description='${MIC_NAME:-VirtualMic}'\"" >/dev/null
pactl set-default-sink vsink
pactl set-default-source vmic
