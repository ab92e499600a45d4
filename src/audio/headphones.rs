//! Whether a sound device is headphones or a headset, and why: by its name (a profile's
//! patterns) or by what the sound server reports (form factor, active port). Shared by the
//! speaker and microphone checks.

use super::server::ServerFacts;

/// Names by which a device is recognisably headphones, with the reason.
pub fn headphone_evidence(
    name: Option<&str>,
    server: Option<&ServerFacts>,
    patterns: &[String],
) -> Option<String> {
    if let Some(n) = name {
        let l = n.to_lowercase();
        if let Some(p) = patterns.iter().find(|p| l.contains(&p.to_lowercase())) {
            return Some(format!("its name \"{n}\" contains \"{p}\""));
        }
    }
    let d = server?.default.as_ref()?;
    if let Some(ff) = &d.form_factor
        && matches!(ff.as_str(), "headphone" | "headset" | "hands-free")
    {
        return Some(format!("the sound server reports form factor \"{ff}\""));
    }
    if let Some(port) = &d.active_port {
        let l = port.to_lowercase();
        if l.contains("headphone") || l.contains("headset") {
            return Some(format!("its active port is \"{port}\""));
        }
    }
    None
}
