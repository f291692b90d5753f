//! The helper threads a workspace's creation runs beside its writer.

use std::thread::{Scope, ScopedJoinHandle};

use thread_priority::ThreadPriority;

/// Spawns `work` on `scope` at the lowest priority the platform gives a thread without
/// privileges: for work that must be done by the end but that nothing waits for before
/// then, such as sealing the data key with Argon2id during a first sync. It then takes the
/// CPU time the load leaves (the writer alone at the commit, the other core idle) instead
/// of slowing the stream's threads, which keep both cores busy. Only this thread is
/// lowered; where the platform refuses, the work runs at the usual priority.
pub(crate) fn spawn_in_spare_time<'scope, T: Send + 'scope>(
    scope: &'scope Scope<'scope, '_>,
    work: impl FnOnce() -> T + Send + 'scope,
) -> ScopedJoinHandle<'scope, T> {
    scope.spawn(|| {
        // A refusal costs only speed: the work is the same at any priority.
        let _ = thread_priority::set_current_thread_priority(ThreadPriority::Min);
        work()
    })
}

/// What a scoped thread returned; its panic goes on as a panic, not an error.
pub(crate) fn joined<T>(handle: ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The calling thread's nice value, from `/proc` (Linux keeps one per thread).
    fn nice() -> i64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").expect("the thread's stat");
        // The command name, in parentheses, may hold spaces; the fields after it do not.
        let after_name = &stat[stat.rfind(')').expect("a command name") + 2..];
        // `nice` is field 19 of stat; after the name, that is the 17th.
        after_name
            .split(' ')
            .nth(16)
            .and_then(|field| field.parse().ok())
            .expect("a nice value")
    }

    #[test]
    fn spare_time_work_runs_at_the_lowest_priority_and_leaves_its_caller_as_it_was() {
        let before = nice();
        let (in_spare_time, beside) = std::thread::scope(|scope| {
            let lowered = spawn_in_spare_time(scope, nice);
            let usual = scope.spawn(nice);
            (joined(lowered), joined(usual))
        });
        assert_eq!(in_spare_time, 19, "the work ran at the lowest priority");
        assert_eq!(
            beside, before,
            "a thread spawned beside it keeps the usual priority"
        );
        assert_eq!(nice(), before, "the caller keeps its priority");
    }
}
