/*!
CPU load on Windows from `GetSystemTimes`: two samples of the idle, kernel and user times, and
the busy share between them. sysinfo reads CPU usage through PDH performance counters, which are
a known failure point on real Windows (a corrupt performance-counter registry) and absent from
Wine; `GetSystemTimes` has neither problem.
*/

/// One reading of the system's CPU times (100 ns ticks, all cores added up). Kernel time
/// includes idle time, as Windows reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub idle: u64,
    pub kernel: u64,
    pub user: u64,
}

/// The busy share between two readings, in percent (0-100); `None` when no time passed.
pub fn load_between(before: Times, after: Times) -> Option<f64> {
    let idle = after.idle.checked_sub(before.idle)?;
    let total = after
        .kernel
        .checked_sub(before.kernel)?
        .checked_add(after.user.checked_sub(before.user)?)?;
    if total == 0 {
        return None;
    }
    let busy = total.saturating_sub(idle);
    Some((busy as f64 * 100.0 / total as f64).clamp(0.0, 100.0))
}

/// This computer's CPU times now (Windows only).
#[cfg(windows)]
pub fn sample() -> Option<Times> {
    use windows_sys::Win32::Foundation::FILETIME;
    use windows_sys::Win32::System::Threading::GetSystemTimes;
    let zero = FILETIME {
        dwLowDateTime: 0,
        dwHighDateTime: 0,
    };
    let (mut idle, mut kernel, mut user) = (zero, zero, zero);
    // SAFETY: three valid out-parameters.
    let ok = unsafe { GetSystemTimes(&mut idle, &mut kernel, &mut user) } != 0;
    let ticks = |f: FILETIME| (u64::from(f.dwHighDateTime) << 32) | u64::from(f.dwLowDateTime);
    ok.then(|| Times {
        idle: ticks(idle),
        kernel: ticks(kernel),
        user: ticks(user),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_share_between_two_readings() {
        let a = Times {
            idle: 1_000,
            kernel: 2_000,
            user: 1_000,
        };
        // 400 ticks passed (kernel 300 of which idle 100, user 100): 300 busy of 400.
        let b = Times {
            idle: 1_100,
            kernel: 2_300,
            user: 1_100,
        };
        assert_eq!(load_between(a, b), Some(75.0));
        assert_eq!(load_between(a, a), None);
        // A counter that went backwards (never expected) gives no figure rather than nonsense.
        assert_eq!(load_between(b, a), None);
        let idle = Times {
            idle: 1_400,
            kernel: 2_400,
            user: 1_000,
        };
        assert_eq!(load_between(a, idle), Some(0.0));
    }
}
