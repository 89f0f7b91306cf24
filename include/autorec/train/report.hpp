#pragma once
// Moved to autorec/report.hpp (a leaf header); this one stays for programs that include it.
#include "autorec/report.hpp"
