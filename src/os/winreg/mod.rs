/*!
Reading the Windows registry: the live registry on Windows (through the Win32 API, never by
parsing `reg.exe`'s localized output), or a recorded export (`reg export` / regedit's `.reg`
text), so the judging logic above it is tested on every OS from real exported keys.

Only what the probes need: list a key's subkeys and read a value. Names are case-insensitive, as
in the registry itself.
*/

use std::collections::BTreeMap;

/// The two hives examready reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hive {
    /// `HKEY_LOCAL_MACHINE` (`HKLM`): settings for the whole computer.
    LocalMachine,
    /// `HKEY_CURRENT_USER` (`HKCU`): the signed-in user's settings.
    CurrentUser,
}

impl Hive {
    fn parse(name: &str) -> Option<Hive> {
        match name.to_ascii_uppercase().as_str() {
            "HKEY_LOCAL_MACHINE" | "HKLM" => Some(Hive::LocalMachine),
            "HKEY_CURRENT_USER" | "HKCU" => Some(Hive::CurrentUser),
            _ => None,
        }
    }
}

/// A registry value, as far as examready reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Dword(u32),
    Qword(u64),
    /// `REG_SZ` and `REG_EXPAND_SZ` (not expanded).
    String(String),
    MultiString(Vec<String>),
    Binary(Vec<u8>),
}

impl Value {
    /// A number, from a DWORD or QWORD (or an 8-byte binary, as some exports store FILETIMEs).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Dword(v) => Some(u64::from(*v)),
            Value::Qword(v) => Some(*v),
            Value::Binary(b) if b.len() == 8 => Some(u64::from_le_bytes(b[..8].try_into().ok()?)),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// Whether the value says "something is set": a non-zero number or a non-empty string/list.
    pub fn is_set(&self) -> bool {
        match self {
            Value::Dword(v) => *v != 0,
            Value::Qword(v) => *v != 0,
            Value::String(s) => !s.is_empty(),
            Value::MultiString(v) => v.iter().any(|s| !s.is_empty()),
            Value::Binary(b) => !b.is_empty(),
        }
    }
}

/// Where registry facts are read from.
pub trait Registry {
    /// Whether the key exists.
    fn exists(&self, hive: Hive, path: &str) -> bool;
    /// The names of the key's direct subkeys (empty when the key is missing).
    fn subkeys(&self, hive: Hive, path: &str) -> Vec<String>;
    /// One value of the key (`""` for the default value).
    fn value(&self, hive: Hive, path: &str, name: &str) -> Option<Value>;
}

/// A registry recorded as `.reg` text: `Windows Registry Editor Version 5.00` (what `reg export`
/// and regedit write, in UTF-16 LE with a BOM, or UTF-8) or `REGEDIT4`.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// (hive, lower-case path) -> (the key's own spelling of its last component, values by
    /// lower-case name).
    keys: BTreeMap<(Hive, String), RecordedKey>,
}

#[derive(Debug, Clone, Default)]
struct RecordedKey {
    name: String,
    values: BTreeMap<String, Value>,
}

/// A line of a `.reg` file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl Recorded {
    /// Parse an export given as raw bytes (UTF-16 LE with BOM, or UTF-8 with or without BOM).
    pub fn from_bytes(bytes: &[u8]) -> Result<Recorded, ParseError> {
        let text = if bytes.starts_with(&[0xFF, 0xFE]) {
            let units: Vec<u16> = bytes[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            let b = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            String::from_utf8_lossy(b).into_owned()
        };
        Recorded::parse(&text)
    }

    /// Parse `.reg` text. Several exports may be concatenated (each with its header line).
    pub fn parse(text: &str) -> Result<Recorded, ParseError> {
        let mut reg = Recorded::default();
        let mut current: Option<(Hive, String)> = None;
        let mut lines = text.lines().enumerate().peekable();
        while let Some((index, raw)) = lines.next() {
            let line_no = index + 1;
            let err = |message: String| ParseError {
                line: line_no,
                message,
            };
            // A value may continue over several lines, each ending with a backslash.
            let mut line = raw.trim().to_string();
            while line.ends_with('\\') && line.contains("=hex") {
                line.pop();
                match lines.next() {
                    Some((_, next)) => line.push_str(next.trim()),
                    None => break,
                }
            }
            if line.is_empty()
                || line.starts_with(';')
                || line == "REGEDIT4"
                || line.starts_with("Windows Registry Editor")
            {
                continue;
            }
            if let Some(inner) = line.strip_prefix('[') {
                let inner = inner
                    .strip_suffix(']')
                    .ok_or_else(|| err("a key line must end with ]".into()))?;
                // `[-HKEY...]` deletes a key: nothing to record.
                if inner.starts_with('-') {
                    current = None;
                    continue;
                }
                let (hive_name, path) = inner.split_once('\\').unwrap_or((inner, ""));
                let Some(hive) = Hive::parse(hive_name) else {
                    // Another hive (HKEY_USERS ...): its values are not read.
                    current = None;
                    continue;
                };
                let key = (hive, path.to_ascii_lowercase());
                reg.keys.entry(key.clone()).or_insert_with(|| RecordedKey {
                    name: path.rsplit('\\').next().unwrap_or(path).to_string(),
                    values: BTreeMap::new(),
                });
                // Every parent exists too, so listing subkeys finds this one.
                let mut parent = path;
                while let Some((up, _)) = parent.rsplit_once('\\') {
                    reg.keys
                        .entry((hive, up.to_ascii_lowercase()))
                        .or_insert_with(|| RecordedKey {
                            name: up.rsplit('\\').next().unwrap_or(up).to_string(),
                            values: BTreeMap::new(),
                        });
                    parent = up;
                }
                current = Some(key);
                continue;
            }
            let (name, data) = split_value_line(&line)
                .ok_or_else(|| err(format!("expected \"name\"=data or [key], found {line:?}")))?;
            let value = parse_data(data).map_err(err)?;
            if let (Some(key), Some(value)) = (&current, value)
                && let Some(k) = reg.keys.get_mut(key)
            {
                k.values.insert(name.to_ascii_lowercase(), value);
            }
        }
        Ok(reg)
    }
}

/// `"name"=data` or `@=data` -> (name, data); the name unescaped.
fn split_value_line(line: &str) -> Option<(String, &str)> {
    if let Some(rest) = line.strip_prefix("@=") {
        return Some((String::new(), rest));
    }
    let rest = line.strip_prefix('"')?;
    let mut name = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => name.push(chars.next()?.1),
            '"' => {
                let after = &rest[i + 1..];
                return Some((name, after.strip_prefix('=')?));
            }
            c => name.push(c),
        }
    }
    None
}

/// The data after `=`; `Ok(None)` for `-` (a deleted value).
fn parse_data(data: &str) -> Result<Option<Value>, String> {
    if data == "-" {
        return Ok(None);
    }
    if let Some(s) = data.strip_prefix('"') {
        let s = s
            .strip_suffix('"')
            .ok_or_else(|| format!("unterminated string {data:?}"))?;
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.push(chars.next().unwrap_or('\\'));
            } else {
                out.push(c);
            }
        }
        return Ok(Some(Value::String(out)));
    }
    if let Some(hex) = data.strip_prefix("dword:") {
        return u32::from_str_radix(hex.trim(), 16)
            .map(|v| Some(Value::Dword(v)))
            .map_err(|e| format!("bad dword {hex:?}: {e}"));
    }
    let (kind, bytes) = if let Some(rest) = data.strip_prefix("hex:") {
        (None, rest)
    } else if let Some(rest) = data.strip_prefix("hex(") {
        let (k, bytes) = rest
            .split_once("):")
            .ok_or_else(|| format!("bad hex value {data:?}"))?;
        let k = u32::from_str_radix(k, 16).map_err(|e| format!("bad value type {k:?}: {e}"))?;
        (Some(k), bytes)
    } else {
        return Err(format!("unknown value data {data:?}"));
    };
    let bytes = bytes
        .split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(|b| u8::from_str_radix(b, 16).map_err(|e| format!("bad byte {b:?}: {e}")))
        .collect::<Result<Vec<u8>, String>>()?;
    let utf16 = |b: &[u8]| -> String {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    Ok(Some(match kind {
        // REG_QWORD
        Some(0xb) if bytes.len() == 8 => {
            Value::Qword(u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")))
        }
        // REG_DWORD written as hex(4)
        Some(4) if bytes.len() == 4 => {
            Value::Dword(u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")))
        }
        // REG_EXPAND_SZ / REG_SZ as hex
        Some(1) | Some(2) => Value::String(utf16(&bytes).trim_end_matches('\0').to_string()),
        // REG_MULTI_SZ
        Some(7) => Value::MultiString(
            utf16(&bytes)
                .split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        _ => Value::Binary(bytes),
    }))
}

impl Registry for Recorded {
    fn exists(&self, hive: Hive, path: &str) -> bool {
        self.keys.contains_key(&(hive, path.to_ascii_lowercase()))
    }

    fn subkeys(&self, hive: Hive, path: &str) -> Vec<String> {
        let prefix = format!("{}\\", path.to_ascii_lowercase());
        self.keys
            .range((hive, prefix.clone())..)
            .take_while(|((h, p), _)| *h == hive && p.starts_with(&prefix))
            .filter(|((_, p), _)| !p[prefix.len()..].contains('\\'))
            .map(|(_, k)| k.name.clone())
            .collect()
    }

    fn value(&self, hive: Hive, path: &str, name: &str) -> Option<Value> {
        self.keys
            .get(&(hive, path.to_ascii_lowercase()))?
            .values
            .get(&name.to_ascii_lowercase())
            .cloned()
    }
}

/// The live registry of this computer (Windows only).
#[cfg(windows)]
pub struct Native;

#[cfg(windows)]
mod native;

/// A Windows FILETIME (100 ns ticks since 1601-01-01 UTC) as a timestamp; `None` for 0 or a
/// value out of range.
pub fn filetime(ticks: u64) -> Option<jiff::Timestamp> {
    const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;
    if ticks == 0 {
        return None;
    }
    let since_unix = i128::from(ticks) - i128::from(UNIX_EPOCH_TICKS);
    jiff::Timestamp::from_nanosecond(since_unix * 100).ok()
}

#[cfg(test)]
mod tests;
