/* The block in the editor: a live server-side preview and a "how many" control; no build step. */
( function ( wp ) {
	var el = wp.element.createElement;
	wp.blocks.registerBlockType( 'relatedposts/related', {
		edit: function ( props ) {
			var controls = el( wp.blockEditor.InspectorControls, {},
				el( wp.components.PanelBody, { title: 'Related posts' },
					el( wp.components.RangeControl, {
						label: 'How many',
						min: 1,
						max: 20,
						value: props.attributes.limit,
						onChange: function ( value ) { props.setAttributes( { limit: value } ); }
					} ) ) );
			return el( 'div', wp.blockEditor.useBlockProps(), controls,
				el( wp.serverSideRender, { block: 'relatedposts/related', attributes: props.attributes } ) );
		},
		save: function () { return null; } // dynamic: rendered on each view by PHP
	} );
} )( window.wp );
