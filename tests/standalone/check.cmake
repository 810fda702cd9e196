# Compiles a translation unit that includes HEADER (as <gort/...>) and nothing else, twice (the
# include guard must hold), with warnings as errors, once as a debug and once as a release (NDEBUG)
# build: every header, public or detail, must compile on its own.
#   -DCXX=<compiler> -DINCLUDE=<include dir> -DHEADER=<gort/x.hpp> -DWORK=<scratch dir>
string(MAKE_C_IDENTIFIER "${HEADER}" name)
set(tu "${WORK}/${name}.cpp")
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${tu}" "#include <${HEADER}>\n#include <${HEADER}>\nint main() {}\n")
foreach(mode "" "-DNDEBUG")
  execute_process(
    COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Werror ${mode} -I${INCLUDE} ${tu}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "<${HEADER}> does not compile on its own (${mode}):\n${out}${err}")
  endif()
endforeach()
message(STATUS "<${HEADER}> compiles on its own")
