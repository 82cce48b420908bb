//! Reads a `bootstrap` binary's ELF header and GLIBC symbol-version requirements, and decides whether
//! Lambda's provided.al2023 runtime can execute it.

use std::fmt;

use object::Endianness;
use object::elf::{EM_AARCH64, EM_X86_64, ET_DYN, ET_EXEC, FileHeader64};
use object::read::elf::FileHeader;

use crate::config::Architecture;

/// The newest glibc that provided.al2023 ships (Amazon Linux 2023 has glibc 2.34).
pub const AL2023_GLIBC: GlibcVersion = GlibcVersion {
    major: 2,
    minor: 34,
};

/// A `GLIBC_x.y` symbol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlibcVersion {
    pub major: u32,
    pub minor: u32,
}

impl GlibcVersion {
    /// Parses `GLIBC_2.34` (or `GLIBC_2.2.5`, whose patch level does not matter here).
    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("GLIBC_")?;
        let mut parts = rest.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next().map_or(Some(0), |m| m.parse().ok())?;
        Some(Self { major, minor })
    }
}

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The CPU an ELF binary is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Machine {
    X86_64,
    Arm64,
    /// Any other `e_machine` value.
    Other(u16),
}

impl Machine {
    /// The Lambda architecture this machine is, if Lambda has one.
    pub fn architecture(self) -> Option<Architecture> {
        match self {
            Self::X86_64 => Some(Architecture::X86_64),
            Self::Arm64 => Some(Architecture::Arm64),
            Self::Other(_) => None,
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::X86_64 => f.write_str("x86_64"),
            Self::Arm64 => f.write_str("arm64"),
            Self::Other(m) => write!(f, "ELF machine {m}"),
        }
    }
}

/// What the ELF header and version-needs section say about a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    pub machine: Machine,
    /// The newest `GLIBC_x.y` the binary needs; `None` for a static binary (or one that needs no
    /// versioned glibc symbol).
    pub glibc: Option<GlibcVersion>,
}

/// Why a binary cannot run on provided.al2023, as one line with the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    #[error("bootstrap is not a 64-bit little-endian ELF executable ({0}); build it for Linux")]
    NotElf(String),
    #[error(
        "bootstrap is built for {found}, but the function runs on {expected}; build with `--target {triple}` (install cargo-lambda or cargo-zigbuild to cross-compile) or set architecture = \"{found}\" in lambdeck.toml"
    )]
    WrongArchitecture {
        found: Machine,
        expected: Architecture,
        triple: &'static str,
    },
    #[error(
        "bootstrap needs glibc {needed} but provided.al2023 has glibc {AL2023_GLIBC}; install cargo-lambda or cargo-zigbuild so lambdeck builds against glibc {AL2023_GLIBC}"
    )]
    GlibcTooNew { needed: GlibcVersion },
}

/// Reads the machine and the newest GLIBC version requirement of an ELF binary.
pub fn inspect(binary: &[u8]) -> Result<ElfInfo, ElfError> {
    let header =
        FileHeader64::<Endianness>::parse(binary).map_err(|e| ElfError::NotElf(e.to_string()))?;
    let endian = header
        .endian()
        .map_err(|e| ElfError::NotElf(e.to_string()))?;
    if endian != Endianness::Little {
        return Err(ElfError::NotElf("big-endian".into()));
    }
    let kind = header.e_type(endian);
    if kind != ET_EXEC && kind != ET_DYN {
        return Err(ElfError::NotElf(format!(
            "ELF type {kind} is not executable"
        )));
    }
    let machine = match header.e_machine(endian) {
        EM_X86_64 => Machine::X86_64,
        EM_AARCH64 => Machine::Arm64,
        other => Machine::Other(other),
    };
    let glibc = glibc_requirement(header, endian, binary)
        .map_err(|e| ElfError::NotElf(format!("unreadable version needs: {e}")))?;
    Ok(ElfInfo { machine, glibc })
}

/// The newest `GLIBC_*` version named in the binary's `SHT_GNU_VERNEED` section.
fn glibc_requirement(
    header: &FileHeader64<Endianness>,
    endian: Endianness,
    data: &[u8],
) -> object::Result<Option<GlibcVersion>> {
    let sections = header.sections(endian, data)?;
    let Some((mut needs, link)) = sections.gnu_verneed(endian, data)? else {
        return Ok(None);
    };
    let strings = sections.strings(endian, data, link)?;
    let mut newest = None;
    while let Some((_need, mut auxes)) = needs.next()? {
        while let Some(aux) = auxes.next()? {
            let name = String::from_utf8_lossy(aux.name(endian, strings)?);
            if let Some(version) = GlibcVersion::parse(&name) {
                newest = newest.max(Some(version));
            }
        }
    }
    Ok(newest)
}

impl ElfInfo {
    /// Checks the binary against what provided.al2023 on `arch` can execute.
    pub fn check_runnable(&self, arch: Architecture) -> Result<(), ElfError> {
        if self.machine.architecture() != Some(arch) {
            return Err(ElfError::WrongArchitecture {
                found: self.machine,
                expected: arch,
                triple: arch.target_triple(),
            });
        }
        match self.glibc {
            Some(needed) if needed > AL2023_GLIBC => Err(ElfError::GlibcTooNew { needed }),
            _ => Ok(()),
        }
    }
}

/// Reads a binary and checks it in one step.
pub fn check_runnable(binary: &[u8], arch: Architecture) -> Result<ElfInfo, ElfError> {
    let info = inspect(binary)?;
    info.check_runnable(arch)?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions_parse_and_order() {
        let v = |s| GlibcVersion::parse(s).expect(s);
        assert_eq!(
            v("GLIBC_2.34"),
            GlibcVersion {
                major: 2,
                minor: 34
            }
        );
        assert_eq!(v("GLIBC_2.2.5"), GlibcVersion { major: 2, minor: 2 });
        assert!(v("GLIBC_2.39") > AL2023_GLIBC);
        assert!(v("GLIBC_2.9") < v("GLIBC_2.10"));
        assert_eq!(GlibcVersion::parse("GCC_3.0"), None);
        assert_eq!(GlibcVersion::parse("GLIBC_PRIVATE"), None);
    }

    #[test]
    fn garbage_is_not_elf_and_the_reason_is_one_line() {
        let err = inspect(b"#!/bin/sh\necho hi\n").expect_err("not elf");
        assert!(matches!(err, ElfError::NotElf(_)));
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[test]
    fn reasons_name_the_fix() {
        let wrong = ElfInfo {
            machine: Machine::Arm64,
            glibc: None,
        }
        .check_runnable(Architecture::X86_64)
        .expect_err("wrong arch");
        assert!(wrong.to_string().contains("built for arm64"), "{wrong}");
        assert!(wrong.to_string().contains("cargo-lambda"), "{wrong}");
        let new = ElfInfo {
            machine: Machine::X86_64,
            glibc: GlibcVersion::parse("GLIBC_2.39"),
        }
        .check_runnable(Architecture::X86_64)
        .expect_err("too new");
        assert_eq!(
            new.to_string(),
            "bootstrap needs glibc 2.39 but provided.al2023 has glibc 2.34; install cargo-lambda or cargo-zigbuild so lambdeck builds against glibc 2.34"
        );
        let ok = ElfInfo {
            machine: Machine::X86_64,
            glibc: GlibcVersion::parse("GLIBC_2.34"),
        };
        assert_eq!(ok.check_runnable(Architecture::X86_64), Ok(()));
    }
}
