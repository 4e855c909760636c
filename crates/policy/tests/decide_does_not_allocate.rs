//! `Policy::decide` is on every announce: it must not allocate. Checked
//! with a global allocator that counts this thread's allocations.
// A counting allocator needs `unsafe impl GlobalAlloc`; it only delegates.
#![allow(unsafe_code)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::IpAddr;

use policy::{Policy, PolicyHandle, Scope};
use support::write_policy;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the
// thread-local counter is const-initialised and has no destructor, so
// touching it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn deciding_and_counting_built_in_scopes_allocate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("geo.csv"), "5.8.0.0,5.8.31.255,RU\n").unwrap();
    std::fs::write(dir.path().join("vpn.txt"), "198.51.100.0/24\n").unwrap();
    let path = write_policy(
        dir.path(),
        r#"geo_databases = ["geo.csv"]
[lists]
vpn = "vpn.txt"
[[rule]]
name = "preview"
countries = ["RU"]
action = "shadow"
[[rule]]
name = "vpn"
lists = ["vpn"]
action = "deny"
[[rule]]
name = "music"
countries = ["RU", "unknown"]
scope = ["category:music"]
action = "deny"
"#,
    );
    let policy = Policy::load(&path).unwrap();
    let addresses: Vec<IpAddr> = ["5.8.0.1", "198.51.100.7", "2001:db8::1", "::ffff:5.8.0.1"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    let scopes = [
        Scope::Tracker,
        Scope::Portal,
        Scope::Download,
        Scope::Category("music"),
    ];

    let n = allocations_during(|| {
        for ip in &addresses {
            for scope in scopes {
                std::hint::black_box(policy.decide(*ip, scope));
                std::hint::black_box(policy.message(&policy.decide(*ip, scope), &["ru-RU"]));
            }
        }
    });
    assert_eq!(n, 0, "decide allocated");

    let handle = PolicyHandle::new(policy);
    // arc-swap registers each thread once, on its first load.
    handle.check(addresses[0], Scope::Tracker);
    let n = allocations_during(|| {
        for ip in &addresses {
            for scope in &scopes[..3] {
                std::hint::black_box(handle.check(*ip, *scope));
            }
        }
    });
    assert_eq!(n, 0, "check allocated");
}
