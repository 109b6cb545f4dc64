# The built-in password blocklist: scripts/gen_blocklist.py turns john-data's password.lst
# and python3-zxcvbn's frequency lists (both Debian packages, see scripts/deps.sh) into a
# C++ source in the build tree, compiled into the target given to fg_add_blocklist.
include_guard(GLOBAL)

# Debian's python3 first: python3-zxcvbn is installed for it, not for a pyenv or venv one.
find_program(FG_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT FG_PYTHON3)
  find_program(FG_PYTHON3 NAMES python3 REQUIRED)
endif()
set(FG_JOHN_PASSWORDS /usr/share/john/password.lst CACHE FILEPATH
    "John the Ripper's password list (Debian package john-data)")

function(fg_add_blocklist TARGET)
  set(script ${PROJECT_SOURCE_DIR}/scripts/gen_blocklist.py)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/generated/blocklist_data.cc)
  set(inputs ${script})
  if(EXISTS ${FG_JOHN_PASSWORDS})
    list(APPEND inputs ${FG_JOHN_PASSWORDS})
  endif()
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/generated
    COMMAND ${FG_PYTHON3} ${script} ${output} --john ${FG_JOHN_PASSWORDS}
    DEPENDS ${inputs}
    COMMENT "Generating the password blocklist"
    VERBATIM)
  target_sources(${TARGET} PRIVATE ${output})
endfunction()
