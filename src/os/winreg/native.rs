//! The live registry through the Win32 API (Windows only).

use super::{Hive, Native, Registry, Value};
use windows_sys::Win32::Foundation::{ERROR_MORE_DATA, ERROR_SUCCESS};
use windows_sys::Win32::System::Registry::{
    HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, REG_BINARY, REG_DWORD, REG_EXPAND_SZ,
    REG_MULTI_SZ, REG_QWORD, REG_SZ, RegCloseKey, RegEnumKeyExW, RegOpenKeyExW, RegQueryValueExW,
};

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// An open key, closed on drop.
struct Key(HKEY);
impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the handle came from RegOpenKeyExW and is closed once.
        unsafe { RegCloseKey(self.0) };
    }
}

fn open(hive: Hive, path: &str) -> Option<Key> {
    let root = match hive {
        Hive::LocalMachine => HKEY_LOCAL_MACHINE,
        Hive::CurrentUser => HKEY_CURRENT_USER,
    };
    let mut key: HKEY = std::ptr::null_mut();
    let p = wide(path);
    // SAFETY: p is NUL-terminated; key receives the handle.
    let rc = unsafe { RegOpenKeyExW(root, p.as_ptr(), 0, KEY_READ, &mut key) };
    (rc == ERROR_SUCCESS).then_some(Key(key))
}

fn utf16_to_string(units: &[u16]) -> String {
    let end = units.iter().position(|&u| u == 0).unwrap_or(units.len());
    String::from_utf16_lossy(&units[..end])
}

impl Registry for Native {
    fn exists(&self, hive: Hive, path: &str) -> bool {
        open(hive, path).is_some()
    }

    fn subkeys(&self, hive: Hive, path: &str) -> Vec<String> {
        let Some(key) = open(hive, path) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        // Key names are at most 255 characters.
        let mut buf = [0u16; 256];
        for index in 0.. {
            let mut len = buf.len() as u32;
            // SAFETY: buf holds len u16s; the optional out-parameters are null.
            let rc = unsafe {
                RegEnumKeyExW(
                    key.0,
                    index,
                    buf.as_mut_ptr(),
                    &mut len,
                    std::ptr::null(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            };
            if rc != ERROR_SUCCESS {
                break;
            }
            names.push(String::from_utf16_lossy(&buf[..len as usize]));
            if index > 100_000 {
                break;
            }
        }
        names
    }

    fn value(&self, hive: Hive, path: &str, name: &str) -> Option<Value> {
        let key = open(hive, path)?;
        let n = wide(name);
        let mut kind = 0u32;
        let mut buf: Vec<u8> = vec![0; 256];
        loop {
            let mut len = buf.len() as u32;
            // SAFETY: buf holds len bytes; n is NUL-terminated.
            let rc = unsafe {
                RegQueryValueExW(
                    key.0,
                    n.as_ptr(),
                    std::ptr::null(),
                    &mut kind,
                    buf.as_mut_ptr(),
                    &mut len,
                )
            };
            if rc == ERROR_MORE_DATA && len as usize > buf.len() && len < 16 << 20 {
                buf.resize(len as usize, 0);
                continue;
            }
            if rc != ERROR_SUCCESS {
                return None;
            }
            buf.truncate(len as usize);
            break;
        }
        let units = || -> Vec<u16> {
            buf.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect()
        };
        Some(match kind {
            REG_DWORD if buf.len() >= 4 => {
                Value::Dword(u32::from_le_bytes(buf[..4].try_into().ok()?))
            }
            REG_QWORD if buf.len() >= 8 => {
                Value::Qword(u64::from_le_bytes(buf[..8].try_into().ok()?))
            }
            REG_SZ | REG_EXPAND_SZ => Value::String(utf16_to_string(&units())),
            REG_MULTI_SZ => Value::MultiString(
                String::from_utf16_lossy(&units())
                    .split('\0')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            REG_BINARY => Value::Binary(buf),
            _ => Value::Binary(buf),
        })
    }
}
