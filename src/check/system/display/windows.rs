//! Windows: the monitors from `EnumDisplayMonitors` (in real pixels: per-monitor DPI awareness
//! while enumerating) and a touchscreen from `GetSystemMetrics(SM_DIGITIZER)`, all from user32.

use super::{DisplayFacts, Monitor};

#[repr(C)]
#[derive(Clone, Copy)]
struct Rect {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
}

type EnumProc = unsafe extern "system" fn(isize, isize, *mut Rect, isize) -> i32;

#[link(name = "user32")]
unsafe extern "system" {
    fn EnumDisplayMonitors(hdc: isize, clip: *const Rect, cb: Option<EnumProc>, data: isize)
    -> i32;
    fn GetSystemMetrics(index: i32) -> i32;
}

#[link(name = "kernel32")]
unsafe extern "system" {
    fn GetModuleHandleA(name: *const std::ffi::c_char) -> *mut std::ffi::c_void;
    fn GetProcAddress(
        module: *mut std::ffi::c_void,
        name: *const std::ffi::c_char,
    ) -> Option<unsafe extern "system" fn() -> isize>;
}

type SetDpiContext = unsafe extern "system" fn(isize) -> isize;

pub(super) fn platform_probe() -> DisplayFacts {
    let rects = with_real_pixels(monitor_rects);
    const SM_DIGITIZER: i32 = 94;
    // SAFETY: GetSystemMetrics has no preconditions.
    let digitizer = unsafe { GetSystemMetrics(SM_DIGITIZER) };
    let touchscreen = Some(digitizer & 0x03 != 0);
    let Some(rects) = rects else {
        return DisplayFacts {
            source: Some("user32".into()),
            monitors: None,
            unavailable_reason: Some("EnumDisplayMonitors failed".into()),
            touchscreen,
        };
    };
    let monitors = rects
        .iter()
        .enumerate()
        .map(|(i, r)| Monitor {
            name: format!("DISPLAY{}", i + 1),
            width: (r.right - r.left).max(0) as u32,
            height: (r.bottom - r.top).max(0) as u32,
            primary: r.left == 0 && r.top == 0,
        })
        .collect();
    DisplayFacts {
        source: Some("user32".into()),
        monitors: Some(monitors),
        unavailable_reason: None,
        touchscreen,
    }
}

/// Run `f` with per-monitor DPI awareness on this thread. A process without a DPI-aware
/// manifest (this one) is shown scaled monitors: 1920x1080 at 150 % reads 1280x720.
fn with_real_pixels<T>(f: impl FnOnce() -> T) -> T {
    let set_dpi_context = set_dpi_context();
    // DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2 (-4, Windows 10 1703+), else _PER_MONITOR_AWARE
    // (-3); the previous context is restored afterwards (0 means the call failed).
    // SAFETY: the function takes and returns a context handle, nothing else.
    let previous_dpi_context = set_dpi_context
        .map(|set| unsafe {
            match set(-4) {
                0 => set(-3),
                p => p,
            }
        })
        .filter(|&p| p != 0);
    let out = f();
    if let (Some(set), Some(p)) = (set_dpi_context, previous_dpi_context) {
        // SAFETY: restoring the context this thread had.
        unsafe { set(p) };
    }
    out
}

/// SetThreadDpiAwarenessContext, which is Windows 10 1607+, so it is looked up.
fn set_dpi_context() -> Option<SetDpiContext> {
    // SAFETY: user32 is loaded (linked above); the name is a NUL-terminated string; the found
    // function has the documented signature DPI_AWARENESS_CONTEXT(DPI_AWARENESS_CONTEXT).
    unsafe {
        let user32 = GetModuleHandleA(c"user32.dll".as_ptr());
        if user32.is_null() {
            None
        } else {
            GetProcAddress(user32, c"SetThreadDpiAwarenessContext".as_ptr()).map(|f| {
                std::mem::transmute::<unsafe extern "system" fn() -> isize, SetDpiContext>(f)
            })
        }
    }
}

/// Every monitor's rectangle, or `None` when EnumDisplayMonitors fails.
fn monitor_rects() -> Option<Vec<Rect>> {
    unsafe extern "system" fn collect(_m: isize, _dc: isize, rect: *mut Rect, data: isize) -> i32 {
        // SAFETY: `data` is the &mut Vec passed below and `rect` is valid for the callback.
        unsafe {
            let v = &mut *(data as *mut Vec<Rect>);
            v.push(*rect);
        }
        1
    }
    let mut rects: Vec<Rect> = Vec::new();
    // SAFETY: plain user32 calls with a callback that only pushes into `rects`.
    let ok = unsafe {
        EnumDisplayMonitors(
            0,
            std::ptr::null(),
            Some(collect),
            &mut rects as *mut Vec<Rect> as isize,
        )
    };
    (ok != 0).then_some(rects)
}
