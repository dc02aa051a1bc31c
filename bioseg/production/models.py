# Process chains, lots, transformations, lot edges, shipments, cold chain, release (issue 4).
