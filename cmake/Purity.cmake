# core.purity: the core archive must not reference OS-facing symbols.
# Usage: cmake -DLIB=libtcpshake_core.a -P Purity.cmake
execute_process(COMMAND nm -u ${LIB} OUTPUT_VARIABLE undefined RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm failed on ${LIB}")
endif()
set(forbidden socket connect sendto recvfrom bind listen accept time clock_gettime
    gettimeofday getenv exit _exit abort pcap_open_live pcap_open_offline pcap_create
    pcap_next_ex pcap_dispatch pcap_loop fopen open read write)
set(bad "")
foreach(sym ${forbidden})
  if(undefined MATCHES "(^|\n)[ \t]*U ${sym}(@[^\n]*)?(\n|$)")
    list(APPEND bad ${sym})
  endif()
endforeach()
if(undefined MATCHES "U pcap_")
  list(APPEND bad "pcap_*")
endif()
if(bad)
  message(FATAL_ERROR "core uses OS symbols: ${bad}")
endif()
message(STATUS "core is pure")
