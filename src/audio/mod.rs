/*!
Audio shared by the `microphone` and `speaker` modules: devices and recording through cpal
(`device`), the Linux sound server's view of them (`server`) and level analysis (`levels`).
*/

pub mod device;
pub mod headphones;
pub mod levels;
pub mod meter;
pub mod server;

/// Held while the microphone records and while the speaker plays its test tone, so that the
/// microphone does not record the tone when both modules run at once.
pub static EXCLUSIVE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Take [`EXCLUSIVE`] (a poisoned lock is still a lock).
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner())
}
