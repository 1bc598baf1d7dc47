#include <cstdio>
int main() { std::puts("financelake"); return 0; }
