//! The ELF checks on the real host build and on crafted binaries (wrong architecture, a newer glibc).

use lambdeck::build::elf::{self, ElfError, GlibcVersion};
use lambdeck::config::Architecture;

use super::{crafted_glibc_2_39, crafted_wrong_architecture, host_architecture};
use crate::support::hello_world_bootstrap;

#[test]
fn the_host_build_of_hello_world_passes_the_elf_checks_it_should() {
    let binary = std::fs::read(hello_world_bootstrap()).unwrap();
    let info = elf::inspect(&binary).unwrap();
    let host = host_architecture();
    assert_eq!(info.machine.architecture(), Some(host));
    let glibc = info
        .glibc
        .expect("a glibc build needs versioned glibc symbols");
    assert!(glibc >= GlibcVersion { major: 2, minor: 2 }, "{glibc}");
    // Runnable on its own architecture exactly when its glibc is not newer than provided.al2023's.
    assert_eq!(
        info.check_runnable(host).is_ok(),
        glibc <= elf::AL2023_GLIBC,
        "{glibc}"
    );
    let other = match host {
        Architecture::X86_64 => Architecture::Arm64,
        Architecture::Arm64 => Architecture::X86_64,
    };
    assert!(matches!(
        info.check_runnable(other),
        Err(ElfError::WrongArchitecture { .. })
    ));
}

#[test]
fn a_crafted_wrong_architecture_header_is_refused_with_the_fix() {
    let (binary, machine) = crafted_wrong_architecture();
    let info = elf::inspect(&binary).unwrap();
    assert_eq!(info.machine, machine);
    let err = elf::check_runnable(&binary, host_architecture()).unwrap_err();
    let line = err.to_string();
    assert!(line.contains(&format!("built for {machine}")), "{line}");
    assert!(line.contains("cargo-lambda or cargo-zigbuild"), "{line}");
    assert!(!line.contains('\n'));
}

#[test]
fn a_crafted_glibc_2_39_requirement_is_refused_with_the_fix() {
    let binary = crafted_glibc_2_39();
    let info = elf::inspect(&binary).unwrap();
    assert_eq!(
        info.glibc,
        Some(GlibcVersion {
            major: 2,
            minor: 39
        })
    );
    let err = info.check_runnable(host_architecture()).unwrap_err();
    assert_eq!(
        err,
        ElfError::GlibcTooNew {
            needed: GlibcVersion {
                major: 2,
                minor: 39
            }
        }
    );
    assert!(
        err.to_string()
            .contains("install cargo-lambda or cargo-zigbuild"),
        "{err}"
    );
}
