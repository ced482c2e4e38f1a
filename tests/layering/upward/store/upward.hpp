#pragma once
// A fixture of the layering test: an include that goes up (store/ may not include pipeline/).
#include "core/query_record.hpp"
#include "pipeline/job.hpp"
