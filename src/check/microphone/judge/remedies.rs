//! The operating system's own words: where the sound settings are, and what to do when the
//! microphone is missing, refused, busy or silent.

use super::*;

pub(super) fn sound_settings(os: OsFamily) -> &'static str {
    match os {
        OsFamily::Windows => "Settings > System > Sound > Input",
        OsFamily::Macos => "System Settings > Sound > Input",
        OsFamily::Linux => "Settings > Sound > Input",
    }
}

pub(super) fn no_mic_remedy(os: OsFamily) -> String {
    match os {
        OsFamily::Windows => "Connect a microphone (a webcam's, a USB or a 3.5 mm one, not part of a headset) and choose it in Settings > System > Sound > Input. If none is listed: Sound Control Panel > Recording > right-click > Show Disabled Devices, and enable it; or update the audio driver in Device Manager > Audio inputs and outputs.".into(),
        OsFamily::Macos => "Connect a microphone or use the built-in one, and choose it in System Settings > Sound > Input. If none is listed, restart the Mac.".into(),
        OsFamily::Linux => "Connect a microphone and choose it in Settings > Sound > Input. If no device is listed the sound server may not be running: log out and in, or run `systemctl --user restart pipewire pipewire-pulse wireplumber` (or `pulseaudio --start`); `arecord -l` shows whether the kernel sees a sound card.".into(),
    }
}

pub(super) fn permission_remedy(os: OsFamily) -> String {
    match os {
        OsFamily::Windows => "Open Settings > Privacy & security > Microphone and turn on 'Microphone access', 'Let apps access your microphone' and 'Let desktop apps access your microphone', then run the check again.".into(),
        OsFamily::Macos => "Open System Settings > Privacy & Security > Microphone and turn on the app you run examready from (Terminal, iTerm ...) and OnVUE; then quit and reopen that app and run the check again.".into(),
        OsFamily::Linux => "Give your user access to audio devices (sudo usermod -aG audio $USER, then log out and in); in a Flatpak or Snap, grant the microphone permission (flatpak override --device=all, or snap connect ...:audio-record).".into(),
    }
}

pub(super) fn busy_remedy(os: OsFamily) -> String {
    let mut s = "Another application holds the microphone: close meeting and recording apps (Zoom, Teams, Discord, OBS, browser tabs using the microphone) and run the check again.".to_string();
    if os == OsFamily::Windows {
        s.push_str(" To stop one app from locking it: Sound Control Panel > Recording > your microphone > Properties > Advanced, clear 'Allow applications to take exclusive control of this device'.");
    }
    s
}

pub(super) fn silent_remedy(os: OsFamily, muted_by_server: bool) -> String {
    let mut s = String::new();
    if muted_by_server {
        s.push_str("The input is muted in the sound settings: unmute it. ");
    }
    s.push_str(match os {
        OsFamily::Windows => "Check the microphone's mute switch or key, that it is not muted in Settings > System > Sound > Input (volume above 0), and that Settings > Privacy & security > Microphone allows desktop apps; then try another microphone.",
        OsFamily::Macos => "macOS records silence when an app is not allowed to use the microphone: turn on your terminal app in System Settings > Privacy & Security > Microphone. Also check the mute switch and the input volume in System Settings > Sound > Input; then try another microphone.",
        OsFamily::Linux => "Check the microphone's mute switch or key and that the input is not muted and its volume is up in Settings > Sound > Input (or `pactl set-source-mute @DEFAULT_SOURCE@ 0`, `alsamixer` > F4 Capture); then try another microphone.",
    });
    s
}
