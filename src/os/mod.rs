/*!
Operating-system facts shared by several check modules, below them: nothing here imports a check.
The readers are pure where they can be (a recorded registry export, a sysfs tree, a tool's output)
so the judges above are tested on every OS.
*/

pub mod consent;
pub mod cpu;
pub mod macos_permissions;
pub mod power;
pub mod procs;
pub mod reboot;
pub mod winreg;
