/* bcryptprimitives.dll for Wine 8.0, test environment only.
 *
 * Rust's standard library (1.78+) fills its random state with bcryptprimitives.dll!ProcessPrng,
 * which Wine 8.0 does not provide, so no Rust program starts under it. This DLL exports
 * ProcessPrng by calling advapi32's SystemFunction036 (RtlGenRandom), which Wine implements.
 * scripts/wine/setup.sh builds it with mingw-w64 and copies it into the test Wine prefix.
 * Real Windows (10 and later) has its own bcryptprimitives.dll; this is never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
