import CortadoRuntime
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One spawned worker process: its pid and our ends of its stdin and stdout pipes.
/// Stderr is inherited, so a worker's diagnostics reach Cortado's stderr unchanged.
///
/// Only the pool's supervisor thread for the slot signals and reaps the pid, so a pid is
/// never signalled after it was reaped (and possibly reused).
struct ChildProcess {
    let pid: pid_t
    /// Write end of the child's stdin (close-on-exec, so sibling workers never inherit it).
    let stdinFD: Int32
    /// Read end of the child's stdout (close-on-exec, so EOF arrives when this child exits).
    let stdoutFD: Int32

    /// Spawns `argv` (searched on PATH when `argv[0]` has no slash) with pipes on fds 0 and 1.
    /// `environment` nil inherits Cortado's environment.
    static func spawn(argv: [String], environment: [String]?) throws(SubprocessWorkerPool.StartError) -> ChildProcess {
        try spawnLock.withLock { _ throws(SubprocessWorkerPool.StartError) in try spawnLocked(argv: argv, environment: environment) }
    }

    private static func spawnLocked(argv: [String], environment: [String]?) throws(SubprocessWorkerPool.StartError) -> ChildProcess {
        guard let program = argv.first, !program.isEmpty else {
            throw SubprocessWorkerPool.StartError("empty worker command")
        }
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        guard makePipe(&toChild) else { throw SubprocessWorkerPool.StartError("pipe: \(errnoText())") }
        guard makePipe(&fromChild) else {
            close(toChild[0]); close(toChild[1])
            throw SubprocessWorkerPool.StartError("pipe: \(errnoText())")
        }

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attr = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attr: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // The child starts with no blocked signals and SIGPIPE at its default, whatever the
        // spawning thread (or the CLI) has set up for itself.
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArgv = argv.map { strdup($0) } + [nil]
        defer { for p in cArgv { free(p) } }
        let cEnv: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup($0) } + [nil] }
        defer { if let cEnv { for p in cEnv { free(p) } } }

        var pid: pid_t = 0
        func spawn(_ argv: UnsafePointer<UnsafeMutablePointer<CChar>?>, _ env: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
            program.contains("/") ? posix_spawn(&pid, program, &actions, &attr, argv, env)
                                  : posix_spawnp(&pid, program, &actions, &attr, argv, env)
        }
        // The environment array is borrowed for the call only (a pointer taken from it
        // outside `withUnsafeBufferPointer` would dangle).
        let rc: Int32 = cArgv.withUnsafeBufferPointer { argvBuf in
            guard let cEnv else { return spawn(argvBuf.baseAddress!, UnsafePointer(environ)) }
            return cEnv.withUnsafeBufferPointer { spawn(argvBuf.baseAddress!, $0.baseAddress) }
        }
        close(toChild[0]); close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw SubprocessWorkerPool.StartError("cannot start '\(program)': \(String(cString: strerror(rc)))")
        }
        #if canImport(Darwin)
        _ = fcntl(toChild[1], F_SETNOSIGPIPE, 1)
        #endif
        return ChildProcess(pid: pid, stdinFD: toChild[1], stdoutFD: fromChild[0])
    }

    /// Waits for the child to exit (SIGKILL after `grace` seconds) and reaps it.
    /// - Returns: a description such as "exit status 3" or "signal 9".
    func reap(grace: Double) -> String {
        var status: Int32 = 0
        var waited = 0.0, step = 0.001
        var killed = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 {
                if errno == EINTR { continue }
                return "unknown status (waitpid: \(errnoText()))"
            }
            if !killed && waited >= grace {
                kill(pid, SIGKILL)
                killed = true
            }
            sleepSeconds(step)
            waited += step
            step = min(step * 2, 0.05)
        }
        return Self.describe(status: status)
    }

    /// Sends SIGKILL (used at shutdown when a worker ignores EOF on stdin). Only the slot's
    /// supervisor calls this, before reaping.
    func forceKill() { kill(pid, SIGKILL) }

    static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exit status \((status >> 8) & 0xff)" }
        return "signal \(signal)"
    }
}

/// A pipe whose both ends are close-on-exec. (Glibc's module does not export pipe2, so the
/// flag is set afterwards; `spawnLock` keeps the pool's own concurrent spawns from
/// inheriting each other's pipes in that window.)
private func makePipe(_ fds: inout [Int32]) -> Bool {
    guard fds.withUnsafeMutableBufferPointer({ pipe($0.baseAddress!) }) == 0 else { return false }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    return true
}

/// Serializes pipe creation and spawning (see `makePipe`).
private let spawnLock = Mutex(())

func errnoText() -> String { String(cString: strerror(errno)) }

func sleepSeconds(_ s: Double) {
    var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
    var rest = timespec()
    while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
}


/// Blocks SIGPIPE on the calling thread, so a write to a dead worker's stdin fails with
/// EPIPE instead of killing Cortado. (Linux directs a pipe's SIGPIPE at the writing thread;
/// it stays pending there and is discarded when the thread exits.)
func blockSIGPIPEOnThisThread() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &set, nil)
}

/// Writes a diagnostic line to Cortado's stderr.
func reportToStderr(_ message: String) {
    _ = writeAll(2, Array("cortado: \(message)\n".utf8))
}
