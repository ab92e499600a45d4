//! The power rules with the rest of the verdict: battery, sleep and a pending restart.

use super::*;

/// A laptop on battery with updates waiting, under a profile with the power rules: every
/// finding is declared and has a remedy, and the rest of the verdict is unchanged.
#[test]
fn laptop_on_battery_with_a_pending_restart() {
    let mut f = windows11();
    f.power = crate::os::power::PowerFacts {
        battery: Some(true),
        on_battery: Some(true),
        battery_percent: Some(30.0),
        sleep_after_min_ac: Some(0),
        sleep_after_min_battery: Some(10),
    };
    f.pending_restart = Some(vec![crate::os::reboot::RebootReason::ComponentServicing]);
    let mut req = onvue_like();
    req.warn_pending_restart = Some(true);
    req.warn_on_battery = Some(true);
    req.min_battery_percent = Some(Percent(50.0));
    req.min_sleep_minutes = Some(20);
    let j = judge(&f, &req, "OnVUE");
    assert_declared(&j);
    let warned: Vec<&str> = j
        .findings
        .iter()
        .filter(|f| f.status == Status::Warn)
        .map(|f| f.code.as_str())
        .collect();
    for code in [
        "restart-pending",
        "power-on-battery",
        "power-battery-low",
        "power-sleep-soon",
    ] {
        assert!(warned.contains(&code), "{code} not in {warned:?}");
    }
    assert_eq!(j.status(), Status::Warn);
}
