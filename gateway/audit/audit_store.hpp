// audit_store.hpp: only forwards to gateway/audit/audit_trail.hpp (audit::record, audit::audit_links),
// for gateway/child/child_writer.cpp, which another branch is changing at the same time. Delete this file
// once child_writer.cpp includes audit_trail.hpp; include audit_trail.hpp everywhere else.
#pragma once

#include "gateway/audit/audit_trail.hpp"
