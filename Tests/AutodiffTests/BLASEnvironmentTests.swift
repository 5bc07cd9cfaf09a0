@testable import Autodiff
import XCTest

final class BLASEnvironmentTests: XCTestCase {
    /// The first lines of /proc/cpuinfo that matter, for a CPU with `vendor` and `flags`.
    private func cpuinfo(_ vendor: String, _ flags: String) -> String {
        "processor\t: 0\nvendor_id\t: \(vendor)\ncpu family\t: 6\nflags\t\t: fpu sse sse2 \(flags)\n\nprocessor\t: 1\nvendor_id\t: Other\n"
    }

    private let everyKernel: (String) -> Bool = { _ in true }

    func testKernelFollowsTheVendorAndTheWidestVectorUnit() {
        let amdZen4 = cpuinfo("AuthenticAMD", "fma avx2 avx512f avx512_bf16")
        let sapphireRapids = cpuinfo("GenuineIntel", "fma avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8")
        let cooperLake = cpuinfo("GenuineIntel", "fma avx2 avx512f avx512_bf16")
        let skylakeX = cpuinfo("GenuineIntel", "fma avx2 avx512f")
        let haswell = cpuinfo("GenuineIntel", "fma avx2")
        let sandyBridge = cpuinfo("GenuineIntel", "avx")
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: amdZen4).first, "Zen")
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: cpuinfo("HygonGenuine", "fma avx2")).first, "Zen")
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: sapphireRapids).first, "SapphireRapids")
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: cooperLake).first, "Cooperlake")
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: skylakeX), ["SkylakeX", "Haswell"])
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: haswell), ["Haswell"])
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: sandyBridge), [])
        XCTAssertEqual(BLASEnvironment.kernelPreference(cpuinfo: ""), [])
    }

    func testMissingVariablesAreOneThreadAndTheFirstKernelTheLibraryHas() {
        let sapphireRapids = cpuinfo("GenuineIntel", "fma avx2 avx512f avx512_bf16 amx_tile")
        XCTAssertEqual(BLASEnvironment.missingVariables(in: [:], cpuinfo: sapphireRapids, isKnownKernel: everyKernel),
                       ["OPENBLAS_NUM_THREADS": "1", "OPENBLAS_CORETYPE": "SapphireRapids"])
        // OpenBLAS 0.3.21 was built without SapphireRapids: the next kernel down, with the same sgemm.
        XCTAssertEqual(BLASEnvironment.missingVariables(in: [:], cpuinfo: sapphireRapids, isKnownKernel: { $0 != "SapphireRapids" }),
                       ["OPENBLAS_NUM_THREADS": "1", "OPENBLAS_CORETYPE": "Cooperlake"])
        // A library without any of them (not a DYNAMIC_ARCH build), or an old CPU: the thread count only.
        XCTAssertEqual(BLASEnvironment.missingVariables(in: [:], cpuinfo: sapphireRapids, isKnownKernel: { _ in false }),
                       ["OPENBLAS_NUM_THREADS": "1"])
        XCTAssertEqual(BLASEnvironment.missingVariables(in: [:], cpuinfo: cpuinfo("GenuineIntel", "avx"), isKnownKernel: everyKernel),
                       ["OPENBLAS_NUM_THREADS": "1"])
    }

    func testExportedValuesWin() {
        let amd = cpuinfo("AuthenticAMD", "fma avx2")
        XCTAssertEqual(BLASEnvironment.missingVariables(in: ["OPENBLAS_NUM_THREADS": "2", "OPENBLAS_CORETYPE": "Haswell"],
                                                        cpuinfo: amd, isKnownKernel: everyKernel), [:])
        XCTAssertEqual(BLASEnvironment.missingVariables(in: ["OPENBLAS_CORETYPE": "Haswell"], cpuinfo: amd, isKnownKernel: everyKernel),
                       ["OPENBLAS_NUM_THREADS": "1"])
        XCTAssertEqual(BLASEnvironment.missingVariables(in: ["OPENBLAS_NUM_THREADS": "1"], cpuinfo: amd, isKnownKernel: everyKernel),
                       ["OPENBLAS_CORETYPE": "Zen"])
    }

    func testTheLoadedLibraryIsAskedForItsKernelsByName() {
        XCTAssertFalse(BLASEnvironment.libraryHasKernel("NoSuchKernel"))
        XCTAssertFalse(BLASEnvironment.kernelInUse.isEmpty)
    }
}
