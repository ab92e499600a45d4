/*!
Virtual machine and container detection.

Evidence, strongest first: the CPUID hypervisor leaf (any OS on x86; a Windows host whose own
Hyper-V is on for security features is the *root* partition and not a VM), firmware (DMI on
Linux, the BIOS registry key on Windows, `kern.hv_vmm_present` on macOS), then container markers
on Linux. Each piece of evidence is recorded so a person can see why.
*/

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VirtKind {
    VirtualMachine,
    Container,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Virtualization {
    /// `None`: nothing detected.
    pub kind: Option<VirtKind>,
    /// The hypervisor or container engine, when it could be named (`KVM`, `VMware`, `docker`).
    pub name: Option<String>,
    /// The hypervisor underneath, when a container also runs inside a virtual machine.
    #[serde(default)]
    pub hypervisor: Option<String>,
    /// Why we think so, e.g. `cpuid hypervisor vendor "KVMKVMKVM"`, `/.dockerenv exists`.
    pub evidence: Vec<String>,
}

impl Virtualization {
    /// "a KVM virtual machine", "a docker container", "a virtual machine".
    pub fn describe(&self) -> String {
        match (&self.kind, &self.name) {
            (Some(VirtKind::VirtualMachine), Some(n)) => format!("a {n} virtual machine"),
            (Some(VirtKind::VirtualMachine), None) => "a virtual machine".into(),
            (Some(VirtKind::Container), Some(n)) => match &self.hypervisor {
                Some(h) => format!("a {n} container in a {h} virtual machine"),
                None => format!("a {n} container"),
            },
            (Some(VirtKind::Container), None) => "a container".into(),
            (None, _) => "no virtualization".into(),
        }
    }
}

/// Map a CPUID hypervisor vendor signature to a product name.
pub fn hypervisor_from_cpuid_vendor(vendor: &str) -> Option<&'static str> {
    let v = vendor.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    Some(match v {
        "KVMKVMKVM" | "Linux KVM Hv" => "KVM",
        "Microsoft Hv" => "Hyper-V",
        "VMwareVMware" => "VMware",
        "VBoxVBoxVBox" => "VirtualBox",
        "XenVMMXenVMM" => "Xen",
        "prl hyperv" | "lrpepyh  vr" | "lrpepyh vr" => "Parallels",
        "TCGTCGTCGTCG" => "QEMU",
        "bhyve bhyve" => "bhyve",
        "ACRNACRNACRN" => "ACRN",
        "QNXQVMBSQG" => "QNX Hypervisor",
        "VirtualApple" => "Apple Virtualization",
        "HAXMHAXMHAXM" => "Intel HAXM",
        "" => return None,
        _ => return None,
    })
}

/// Map firmware vendor/product strings (DMI, BIOS registry, hw.model) to a hypervisor name.
pub fn hypervisor_from_firmware(text: &str) -> Option<&'static str> {
    let t = text.to_ascii_lowercase();
    let table: &[(&str, &str)] = &[
        ("vmware", "VMware"),
        ("virtualbox", "VirtualBox"),
        ("innotek", "VirtualBox"),
        ("qemu", "QEMU"),
        ("kvm", "KVM"),
        ("xen", "Xen"),
        ("parallels", "Parallels"),
        ("bochs", "Bochs"),
        ("bhyve", "bhyve"),
        ("amazon ec2", "Amazon EC2"),
        ("google compute engine", "Google Compute Engine"),
        ("virtual machine", "Hyper-V"),
        ("firecracker", "Firecracker"),
        ("utm", "UTM"),
        ("apple virtual", "Apple Virtualization"),
    ];
    table
        .iter()
        .find(|(needle, _)| t.contains(needle))
        .map(|(_, name)| *name)
}

/// What CPUID says: (hypervisor bit set, vendor signature, this is the Hyper-V root partition).
#[cfg(target_arch = "x86_64")]
#[allow(unused_unsafe)]
pub fn cpuid_hypervisor() -> Option<(bool, String, bool)> {
    use std::arch::x86_64::__cpuid;
    // SAFETY: CPUID is available on every x86_64 CPU.
    let leaf1 = unsafe { __cpuid(1) };
    let present = leaf1.ecx & (1 << 31) != 0;
    if !present {
        return Some((false, String::new(), false));
    }
    // SAFETY: as above; leaves 0x4000_0000+ are defined when the hypervisor bit is set.
    let l = unsafe { __cpuid(0x4000_0000) };
    let mut bytes = Vec::with_capacity(12);
    for r in [l.ebx, l.ecx, l.edx] {
        bytes.extend_from_slice(&r.to_le_bytes());
    }
    let vendor = String::from_utf8_lossy(&bytes)
        .trim_matches(char::from(0))
        .to_string();
    // Hyper-V: the root partition (the physical host with VBS/WSL2 enabled) has the
    // CreatePartitions privilege, bit 0 of EBX in leaf 0x4000_0003.
    let root = vendor == "Microsoft Hv" && l.eax >= 0x4000_0003 && {
        // SAFETY: leaf is within the range the hypervisor reported in EAX.
        let p = unsafe { __cpuid(0x4000_0003) };
        p.ebx & 1 != 0
    };
    Some((true, vendor, root))
}

#[cfg(not(target_arch = "x86_64"))]
pub fn cpuid_hypervisor() -> Option<(bool, String, bool)> {
    None
}

/// Detect virtualization on this machine.
pub fn detect() -> Virtualization {
    let mut v = Virtualization::default();
    let mut vm_name: Option<String> = None;
    let mut vm_seen = false;

    if let Some((present, vendor, root)) = cpuid_hypervisor() {
        if present && !root {
            vm_seen = true;
            let name = hypervisor_from_cpuid_vendor(&vendor);
            v.evidence
                .push(format!("CPUID reports a hypervisor (vendor {vendor:?})"));
            if let Some(n) = name {
                vm_name.get_or_insert(n.to_string());
            }
        } else if root {
            v.evidence.push(
                "CPUID reports Hyper-V, but this is its root partition (the physical host)".into(),
            );
        }
    }
    platform_evidence(&mut v, &mut vm_seen, &mut vm_name);

    let container = container_evidence(&mut v.evidence);
    if let Some(engine) = container {
        v.kind = Some(VirtKind::Container);
        v.name = Some(engine);
        if vm_seen {
            v.hypervisor = Some(vm_name.unwrap_or_else(|| "hypervisor".into()));
        }
    } else if vm_seen {
        v.kind = Some(VirtKind::VirtualMachine);
        v.name = vm_name;
    }
    v
}

#[cfg(target_os = "linux")]
fn platform_evidence(v: &mut Virtualization, vm_seen: &mut bool, vm_name: &mut Option<String>) {
    if let Ok(cpuinfo) = std::fs::read_to_string("/proc/cpuinfo") {
        let flagged = cpuinfo
            .lines()
            .filter(|l| l.starts_with("flags") || l.starts_with("Features"))
            .any(|l| l.split_whitespace().any(|w| w == "hypervisor"));
        if flagged {
            *vm_seen = true;
            v.evidence
                .push("/proc/cpuinfo lists the \"hypervisor\" CPU flag".into());
        }
    }
    for file in ["sys_vendor", "product_name", "bios_vendor", "board_vendor"] {
        let path = format!("/sys/class/dmi/id/{file}");
        if let Ok(text) = std::fs::read_to_string(&path)
            && let Some(name) = hypervisor_from_firmware(&text)
        {
            *vm_seen = true;
            v.evidence.push(format!("{path} says {:?}", text.trim()));
            vm_name.get_or_insert(name.to_string());
        }
    }
    if let Ok(t) = std::fs::read_to_string("/sys/hypervisor/type") {
        let t = t.trim();
        if !t.is_empty() {
            *vm_seen = true;
            v.evidence.push(format!("/sys/hypervisor/type says {t:?}"));
            vm_name.get_or_insert(if t == "xen" {
                "Xen".into()
            } else {
                t.to_string()
            });
        }
    }
    if let Ok(rel) = std::fs::read_to_string("/proc/sys/kernel/osrelease") {
        let lower = rel.to_ascii_lowercase();
        if lower.contains("microsoft") || lower.contains("wsl") {
            *vm_seen = true;
            v.evidence
                .push(format!("the kernel release {:?} is WSL's", rel.trim()));
            *vm_name = Some("WSL".into());
        }
    }
}

#[cfg(target_os = "windows")]
fn platform_evidence(v: &mut Virtualization, vm_seen: &mut bool, vm_name: &mut Option<String>) {
    for value in ["SystemManufacturer", "SystemProductName", "BIOSVendor"] {
        let out = std::process::Command::new("reg")
            .args([
                "query",
                r"HKLM\HARDWARE\DESCRIPTION\System\BIOS",
                "/v",
                value,
            ])
            .output();
        if let Ok(out) = out {
            let text = String::from_utf8_lossy(&out.stdout);
            if let Some(line) = text.lines().find(|l| l.contains("REG_SZ")) {
                let data = line.split("REG_SZ").nth(1).unwrap_or("").trim().to_string();
                if let Some(name) = hypervisor_from_firmware(&data) {
                    *vm_seen = true;
                    v.evidence.push(format!("BIOS {value} is {data:?}"));
                    vm_name.get_or_insert(name.to_string());
                }
            }
        }
    }
}

#[cfg(target_os = "macos")]
fn platform_evidence(v: &mut Virtualization, vm_seen: &mut bool, vm_name: &mut Option<String>) {
    let sysctl = |key: &str| -> Option<String> {
        let out = std::process::Command::new("sysctl")
            .args(["-n", key])
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    if sysctl("kern.hv_vmm_present").as_deref() == Some("1") {
        *vm_seen = true;
        v.evidence.push("sysctl kern.hv_vmm_present = 1".into());
    }
    if let Some(model) = sysctl("hw.model") {
        if let Some(name) = hypervisor_from_firmware(&model) {
            *vm_seen = true;
            v.evidence.push(format!("hw.model is {model:?}"));
            vm_name.get_or_insert(name.to_string());
        } else if model.starts_with("VirtualMac") {
            *vm_seen = true;
            v.evidence.push(format!("hw.model is {model:?}"));
            vm_name.get_or_insert("Apple Virtualization".into());
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn platform_evidence(_: &mut Virtualization, _: &mut bool, _: &mut Option<String>) {}

/// Container markers (Linux only); returns the engine's name when one is found.
#[cfg(target_os = "linux")]
fn container_evidence(evidence: &mut Vec<String>) -> Option<String> {
    let mut engine = None;
    if std::path::Path::new("/.dockerenv").exists() {
        evidence.push("/.dockerenv exists".into());
        engine.get_or_insert("docker".to_string());
    }
    if std::path::Path::new("/run/.containerenv").exists() {
        evidence.push("/run/.containerenv exists".into());
        engine.get_or_insert("podman".to_string());
    }
    if let Ok(c) = std::env::var("container")
        && !c.is_empty()
    {
        evidence.push(format!("the environment says container={c}"));
        engine.get_or_insert(c);
    }
    if let Ok(cg) = std::fs::read_to_string("/proc/1/cgroup") {
        for (needle, name) in [
            ("docker", "docker"),
            ("kubepods", "kubernetes"),
            ("lxc", "lxc"),
            ("containerd", "containerd"),
        ] {
            if cg.contains(needle) {
                evidence.push(format!("/proc/1/cgroup mentions {needle}"));
                engine.get_or_insert(name.to_string());
                break;
            }
        }
    }
    engine
}

#[cfg(not(target_os = "linux"))]
fn container_evidence(_: &mut Vec<String>) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendors_map_to_names() {
        assert_eq!(hypervisor_from_cpuid_vendor("KVMKVMKVM\0\0\0"), Some("KVM"));
        assert_eq!(hypervisor_from_cpuid_vendor("VMwareVMware"), Some("VMware"));
        assert_eq!(
            hypervisor_from_cpuid_vendor("Microsoft Hv"),
            Some("Hyper-V")
        );
        assert_eq!(hypervisor_from_cpuid_vendor("GenuineIntel"), None);
        assert_eq!(
            hypervisor_from_firmware("innotek GmbH\n"),
            Some("VirtualBox")
        );
        assert_eq!(hypervisor_from_firmware("Dell Inc."), None);
    }

    #[test]
    fn describe_reads_well() {
        let v = Virtualization {
            kind: Some(VirtKind::VirtualMachine),
            name: Some("KVM".into()),
            hypervisor: None,
            evidence: vec![],
        };
        assert_eq!(v.describe(), "a KVM virtual machine");
        let c = Virtualization {
            kind: Some(VirtKind::Container),
            name: Some("docker".into()),
            hypervisor: Some("KVM".into()),
            evidence: vec![],
        };
        assert_eq!(c.describe(), "a docker container in a KVM virtual machine");
    }

    /// This very machine is virtualized (the brief says so): detection must see it.
    #[test]
    #[cfg(target_os = "linux")]
    fn this_machine_is_detected_as_virtualized() {
        let v = detect();
        if std::env::var_os("EXAMREADY_EXPECT_BARE_METAL").is_none() {
            assert!(v.kind.is_some(), "no virtualization detected: {v:?}");
            assert!(!v.evidence.is_empty());
        }
    }
}
