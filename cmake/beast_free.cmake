# api and lambda handle requests; they do not run a server. They link
# dropslot_http_service (http::request/response/service) and never dropslot_http, the
# Beast server (issue 17). Two checks keep it so:
#   - at configure time, neither target reaches dropslot_http through its link libraries;
#   - the CTest test beast_free_parts fails when either static library holds or needs a
#     Beast or Asio symbol (an #include of a Beast header that got used).
# Boost is installed under /usr/include, so Beast's headers cannot be taken off any
# include path; what a part compiled in is what these checks look at.

function(dropslot_link_closure target out)
  set(seen "")
  set(todo ${target})
  while(todo)
    list(POP_FRONT todo t)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" t "${t}")
    if(NOT TARGET ${t} OR t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
    foreach(l IN LISTS libs ilibs)
      if(l AND NOT l MATCHES "-NOTFOUND$")
        list(APPEND todo ${l})
      endif()
    endforeach()
  endwhile()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

set(_beast_free_libs "")
foreach(t dropslot_api dropslot_lambda)
  if(NOT TARGET ${t})
    continue()
  endif()
  dropslot_link_closure(${t} closure)
  if(dropslot_http IN_LIST closure)
    message(FATAL_ERROR "${t} links dropslot_http (the Beast server); a handler needs only dropslot_http_service "
                        "(src/http/CMakeLists.txt, cmake/beast_free.cmake)")
  endif()
  list(APPEND _beast_free_libs $<TARGET_FILE:${t}>)
endforeach()

if(DROPSLOT_TESTS AND _beast_free_libs)
  find_program(DROPSLOT_NM nm REQUIRED)
  list(JOIN _beast_free_libs "|" _libs)
  add_test(NAME beast_free_parts
           COMMAND ${CMAKE_COMMAND} -DNM=${DROPSLOT_NM} "-DLIBS=${_libs}" -P ${CMAKE_SOURCE_DIR}/cmake/check_no_beast_symbols.cmake)
  set_tests_properties(beast_free_parts PROPERTIES LABELS unit)
endif()
