//! The package: a byte-identical zip for the same binary, and its CodeSha256 checked against Python's hashlib.

use lambdeck::build::{self, BuildTarget};

use super::{build_collecting, dev, python_code_sha256, repo_spec};
use crate::support::hello_world_bootstrap;

#[tokio::test]
async fn the_zip_is_byte_identical_across_packagings_of_the_same_binary() {
    let binary = std::fs::read(hello_world_bootstrap()).unwrap();
    let a = build::package_zip(&binary).unwrap();
    let b = build::package_zip(&binary).unwrap();
    assert_eq!(a, b, "two packagings of one binary differ");

    // The same through the whole build: two builds write the same zip, byte for byte.
    let spec = repo_spec();
    let (first, _) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let first = first.expect("first build");
    let on_disk_first = std::fs::read(&first.zip_path).unwrap();
    let (second, _) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let second = second.expect("second build");
    let on_disk_second = std::fs::read(&second.zip_path).unwrap();
    assert_eq!(on_disk_first, on_disk_second);
    assert_eq!(first.code_sha256, second.code_sha256);
    assert_eq!(first.zip.as_ref(), on_disk_first.as_slice());
}

#[tokio::test]
async fn code_sha256_matches_an_independent_computation() {
    let spec = repo_spec();
    let (package, _) = build_collecting(&spec, &dev(BuildTarget::Local)).await;
    let package = package.expect("build");
    assert!(
        package
            .zip_path
            .ends_with("lambda/hello-world/dev/bootstrap.zip")
    );
    let independent = python_code_sha256(&package.zip_path);
    assert_eq!(package.code_sha256, independent);
    assert_eq!(
        package.size,
        std::fs::metadata(&package.zip_path).unwrap().len()
    );
    // The zip holds exactly the binary next to it.
    let inside = build::package::read_bootstrap(&package.zip).unwrap();
    assert_eq!(inside, std::fs::read(&package.binary_path).unwrap());
}
