import COpenBLAS
import Foundation

/// How OpenBLAS should run in this engine, and a way for an executable to make it so.
///
/// Two settings matter, and OpenBLAS reads both from the environment in a library
/// constructor, before `main` runs, so a process cannot change them for itself:
///
/// - `OPENBLAS_NUM_THREADS=1`. The engine runs every GEMM single-threaded and spreads work
///   over the cores itself (see `Parallel`); an OpenBLAS thread pool would only spin and
///   take a core from it.
/// - `OPENBLAS_CORETYPE`, the kernel. A DYNAMIC_ARCH build (Debian's 0.3.21 is one) picks it
///   from cpuid and can pick badly: it calls an AMD Zen 4 "Cooperlake", whose AVX-512 kernel
///   runs the conv-shaped GEMM M64 K576 N32768 at 54 GFLOP/s on one core against 83 with
///   "Zen" (Zen 4 runs each 512-bit instruction as two 256-bit halves); a CPU it does not
///   know (Intel Emerald Rapids, for 0.3.21) gets a generic kernel, 57 GFLOP/s against 305
///   with an AVX-512 one. So the kernel is chosen here from /proc/cpuinfo: AMD → Zen; Intel
///   with AMX (Sapphire and Emerald Rapids) → SapphireRapids; with AVX-512 BF16 →
///   Cooperlake; with AVX-512 → SkylakeX; any CPU with AVX2 and FMA → Haswell (the three
///   AVX-512 kernels share one sgemm). A name the loaded library was not built with is
///   skipped for the next one (OpenBLAS would silently ignore it and detect on its own);
///   without AVX2 the variable stays unset and OpenBLAS chooses.
///
/// `reexecuteIfUnset()` sets whichever of the two the environment lacks and re-executes
/// the binary once, with the same arguments, so that OpenBLAS starts with them. A value
/// the user exported always wins. Test bundles cannot do this (XCTest owns their `main`),
/// so the Makefile exports both for them.
public enum BLASEnvironment {
    public static let threadsVariable = "OPENBLAS_NUM_THREADS"
    public static let kernelVariable = "OPENBLAS_CORETYPE"
    /// Present only in the re-executed process, so that it never re-executes again.
    static let reexecutedVariable = "TALKINGFACE_BLAS_REEXECUTED"

    /// The OpenBLAS kernels for the CPU that `cpuinfo` (the text of /proc/cpuinfo)
    /// describes, best first; empty when OpenBLAS's own choice is as good as any.
    public static func kernelPreference(cpuinfo: String) -> [String] {
        let vendor = firstValue(of: "vendor_id", in: cpuinfo) ?? ""
        let flags = Set((firstValue(of: "flags", in: cpuinfo) ?? "").split(separator: " ").map(String.init))
        guard flags.contains("avx2"), flags.contains("fma") else { return [] }
        if vendor == "AuthenticAMD" || vendor == "HygonGenuine" { return ["Zen", "Haswell"] }
        if flags.contains("amx_tile") { return ["SapphireRapids", "Cooperlake", "SkylakeX", "Haswell"] }
        if flags.contains("avx512_bf16") { return ["Cooperlake", "SkylakeX", "Haswell"] }
        if flags.contains("avx512f") { return ["SkylakeX", "Haswell"] }
        return ["Haswell"]
    }

    /// The variables `environment` lacks, with the values to run with: one thread, and the
    /// first preferred kernel that `isKnownKernel` accepts.
    public static func missingVariables(in environment: [String: String], cpuinfo: String,
                                        isKnownKernel: (String) -> Bool) -> [String: String] {
        var missing: [String: String] = [:]
        if environment[threadsVariable] == nil { missing[threadsVariable] = "1" }
        if environment[kernelVariable] == nil,
           let kernel = kernelPreference(cpuinfo: cpuinfo).first(where: isKnownKernel) {
            missing[kernelVariable] = kernel
        }
        return missing
    }

    /// For the first line of an executable: when the environment lacks either variable,
    /// sets it and re-executes this binary (same arguments) so that OpenBLAS starts with it.
    /// Returns without doing anything when both are set, in the re-executed process, and on
    /// systems without /proc; returns with the variables set if the exec fails.
    public static func reexecuteIfUnset() {
        #if os(Linux)
        if getenv(reexecutedVariable) != nil {
            unsetenv(reexecutedVariable)  // children start clean
            return
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let missing = missingVariables(in: ProcessInfo.processInfo.environment, cpuinfo: cpuinfo,
                                       isKnownKernel: libraryHasKernel)
        guard !missing.isEmpty else { return }
        for (name, value) in missing { setenv(name, value, 1) }
        setenv(reexecutedVariable, "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv(reexecutedVariable)  // exec failed: run on as we are
        #endif
    }

    /// The kernel OpenBLAS runs (e.g. "Zen"), for logs.
    public static var kernelInUse: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }

    /// Whether the loaded OpenBLAS has `kernel`: a DYNAMIC_ARCH build exports one table per
    /// kernel it was built with, `gotoblas_` and the name in capitals. A build without them
    /// ignores OPENBLAS_CORETYPE anyway.
    static func libraryHasKernel(_ kernel: String) -> Bool {
        guard let process = dlopen(nil, RTLD_NOW) else { return false }
        return dlsym(process, "gotoblas_" + kernel.uppercased()) != nil
    }

    /// The value of the first `key : value` line named `key` (the first processor's).
    static func firstValue(of key: String, in cpuinfo: String) -> String? {
        for line in cpuinfo.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].trimmingCharacters(in: .whitespaces) == key {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
