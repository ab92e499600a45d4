/* A stand-in Windows application for the tests: prints its Windows process id, then sleeps for
 * the number of seconds given (default 60). scripts/wine/setup.sh builds it with mingw-w64 and the
 * tests copy it under a catalogue name (TeamViewer.exe) to be found by examready.exe under Wine. */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int seconds = argc > 1 ? atoi(argv[1]) : 60;
    printf("%lu\n", (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    Sleep((DWORD)seconds * 1000);
    return 0;
}
