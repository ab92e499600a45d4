/*!
Audio shared by the `microphone` and `speaker` modules: devices and recording through cpal
(`device`), the Linux sound server's view of them (`server`) and level analysis (`levels`).
*/

pub mod device;
pub mod levels;
pub mod server;
