# Compiles SOURCE and passes only if compilation fails with EXPECT in the compiler's output.
# FLAGS: more compiler arguments (a ;-list), optional.
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -I${INCLUDE} ${FLAGS} ${SOURCE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be rejected")
endif()
string(FIND "${out}${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${SOURCE} was rejected without the message '${EXPECT}':\n${err}")
endif()
message(STATUS "rejected with: ${EXPECT}")
