#pragma once
#include <mpi.h>
// Open MPI's handles are macros over the addresses of its globals; Swift cannot import them.
static inline MPI_Comm tf_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype tf_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype tf_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op tf_mpi_sum(void) { return MPI_SUM; }
static inline void *tf_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler tf_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int tf_mpi_success(void) { return MPI_SUCCESS; }
static inline int tf_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
