-- Serious treatment-emergent adverse events by SOC and PT (table 14-5.02): the TEAEs with aeser 'Y'.

{{ results_ae_incidence("ae.aeser = 'Y'") }}
